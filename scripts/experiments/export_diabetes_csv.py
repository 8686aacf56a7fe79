"""Writes scikit-learn's diabetes table (442 patients, 10 features, a disease-progression
target; the real measurements, not the scaled copy) as a CSV file with a header row, the form
`glean regress --table` reads. Usage: python export_diabetes_csv.py OUT.csv"""
import csv
import sys

from sklearn.datasets import load_diabetes

table = load_diabetes(scaled=False)
with open(sys.argv[1], "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(list(table.feature_names) + ["progression"])
    for features, target in zip(table.data, table.target):
        writer.writerow([repr(float(value)) for value in features] + [repr(float(target))])
