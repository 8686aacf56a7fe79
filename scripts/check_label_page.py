#!/usr/bin/env python3
"""Drives `glean label` in a real browser (Debian's Chromium through Selenium and chromium-driver):
labels images with key presses, undoes one, and checks the files on disk; or, with --latency,
times the page's HTTP API (an image load and an answer) over N answers.

Usage: check_label_page.py GLEAN PILE_DIR OUT_DIR [--screenshot PNG]
       check_label_page.py GLEAN PILE_DIR OUT_DIR --latency N
PILE_DIR holds at least 4 images (by name: the order); OUT_DIR must not exist yet. Exits 0 when
every check passes; prints what failed otherwise.
"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time


def start(glean, pile, out):
    server = subprocess.Popen([glean, "label", "--images", pile, "--classes", "zero,one,two", "--out", out, "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = server.stdout.readline()
        match = re.search(r"(http://\S+)", line)
        if match:
            return server, match.group(1)
        if server.poll() is not None:
            break
    server.kill()
    sys.exit("glean label did not print its address")


def files(out):
    return sorted(os.path.relpath(os.path.join(d, f), out) for d, _, fs in os.walk(out) for f in fs)


def browser_check(url, pile, out, screenshot):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,900"]:
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(url)
        wait = WebDriverWait(driver, 15)
        progress = lambda: driver.find_element(By.ID, "progress").text
        wait.until(lambda d: progress().startswith("0 of"))
        wait.until(lambda d: d.execute_script("const i = document.getElementById('current'); return i.complete && i.naturalWidth > 0"))
        body = driver.find_element(By.TAG_NAME, "body")
        names = sorted(n for n in os.listdir(pile) if not n.startswith("."))
        steps = [("1", "1 of"), ("2", "2 of"), ("s", "3 of"), ("u", "2 of"), ("3", "3 of")]
        for key, expected in steps:
            body.send_keys(key)
            wait.until(lambda d: progress().startswith(expected), "after key %r the page should read %r" % (key, expected))
        counts = driver.find_element(By.ID, "counts").text
        if screenshot:
            driver.save_screenshot(screenshot)
    finally:
        driver.quit()
    want = ["labels.csv", "one/" + names[1], "two/" + names[2], "zero/" + names[0]]
    problems = []
    if files(out) != want:
        problems.append("files %s, expected %s" % (files(out), want))
    rows = open(os.path.join(out, "labels.csv")).read().splitlines()
    expected_rows = ["path,class"] + ["%s,%s" % (os.path.join(os.path.realpath(pile), n), c)
                                      for n, c in zip(names, ["zero", "one", "two"])]
    if rows != expected_rows:
        problems.append("labels.csv %s, expected %s" % (rows, expected_rows))
    if "zero: 1" not in counts or "one: 1" not in counts or "two: 1" not in counts:
        problems.append("counts on the page: %r" % counts)
    for name, label in zip(names, ["zero", "one", "two"]):
        if open(os.path.join(pile, name), "rb").read() != open(os.path.join(out, label, name), "rb").read():
            problems.append("%s/%s is not a copy of the original" % (label, name))
    return problems


def latency(url, count):
    host_port, query = url[len("http://"):].split("/", 1)
    token = query.split("token=")[1]
    connection = http.client.HTTPConnection(host_port)
    timings = []
    for index in range(count):
        begin = time.perf_counter()
        connection.request("GET", "/api/image/0?token=" + token)
        image = connection.getresponse().read()
        connection.request("POST", "/api/answer?token=" + token, body=json.dumps({"index": 0, "class": ["zero", "one"][index % 2]}),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        timings.append(1000 * (time.perf_counter() - begin))
        if response.status != 200 or not image:
            return ["answer %d: status %d" % (index, response.status)]
    timings.sort()
    print("%d image loads + answers over one keep-alive connection: median %.2f ms, 99th percentile %.2f ms, max %.2f ms"
          % (count, statistics.median(timings), timings[int(0.99 * (count - 1))], timings[-1]))
    return [] if timings[int(0.99 * (count - 1))] < 100 else ["99th percentile above 100 ms"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("glean")
    parser.add_argument("pile")
    parser.add_argument("out")
    parser.add_argument("--screenshot")
    parser.add_argument("--latency", type=int)
    args = parser.parse_args()
    server, url = start(args.glean, args.pile, args.out)
    try:
        problems = latency(url, args.latency) if args.latency else browser_check(url, args.pile, args.out, args.screenshot)
    finally:
        server.terminate()
        server.wait(timeout=10)
    for problem in problems:
        print("FAILED:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
