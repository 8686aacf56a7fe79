/// The labeling page: one image large and the next ones small, a button per class (keys 1–9, 0,
/// then letters), skip (s), undo (u or Backspace), progress and per-class counts. It talks to
/// `LabelServer`'s API with the token of its own address.
enum LabelPage {
    static let html = #"""
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>glean label</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f4f2; color: #222; }
main { max-width: 900px; margin: 0 auto; padding: 16px; }
#current { display: block; margin: 8px auto; width: 384px; height: 384px; object-fit: contain; image-rendering: pixelated; background: #fff; border: 1px solid #ccc; }
#next img { width: 64px; height: 64px; object-fit: contain; image-rendering: pixelated; margin: 2px; opacity: .6; background: #fff; }
#buttons button { font-size: 16px; margin: 4px; padding: 8px 14px; }
#buttons button kbd, #actions kbd { font-size: 12px; color: #666; margin-left: 6px; }
#progress { font-size: 15px; margin: 8px 0; }
#counts span { display: inline-block; margin-right: 12px; }
#done { display: none; font-size: 20px; margin: 24px 0; }
#error { color: #a00; }
</style></head>
<body><main>
<div id="progress"></div>
<img id="current" alt="the image to label">
<div id="next"></div>
<div id="buttons"></div>
<div id="actions"><button id="skip">skip<kbd>s</kbd></button> <button id="undo">undo<kbd>u</kbd></button></div>
<div id="done">Every image has an answer. The labeled folder and labels.csv are written; close this page.</div>
<div id="counts"></div>
<div id="error"></div>
</main>
<script>
const token = new URLSearchParams(location.search).get("token") || "";
const keys = "1234567890abcdefghijklmnopqrtvwxyz";
let state = null, busy = false;
const api = (path, body) => fetch(path + "?token=" + encodeURIComponent(token), body === undefined ? {} :
  { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
  .then(r => r.ok ? r.json() : r.text().then(t => { throw new Error(r.status + ": " + t); }));
const image = index => "/api/image/" + index + "?token=" + encodeURIComponent(token);
function render(s) {
  state = s;
  document.getElementById("progress").textContent =
    Math.min(s.answered, s.total) + " of " + s.total + " answered (" + s.skipped + " skipped)";
  const done = s.position >= s.total;
  document.getElementById("done").style.display = done ? "block" : "none";
  const current = document.getElementById("current");
  current.style.visibility = done ? "hidden" : "visible";
  if (!done) { current.src = image(s.upcoming[0]); current.title = s.names[0]; current.dataset.index = s.upcoming[0]; }
  document.getElementById("next").innerHTML = s.upcoming.slice(1).map(i => '<img src="' + image(i) + '" alt="">').join("");
  document.getElementById("counts").innerHTML = s.classes.map((c, i) => "<span>" + c + ": " + s.counts[i] + "</span>").join("");
  document.getElementById("error").textContent = "";
}
function send(path, body) {
  if (busy) return;
  busy = true;
  api(path, body).then(render).catch(e => { document.getElementById("error").textContent = e.message; }).finally(() => { busy = false; });
}
const answer = label => { if (state && state.position < state.total) send("/api/answer", { index: state.upcoming[0], class: label }); };
function build(s) {
  document.getElementById("buttons").innerHTML = s.classes.map((c, i) =>
    '<button data-class="' + i + '">' + c + (i < keys.length ? "<kbd>" + keys[i] + "</kbd>" : "") + "</button>").join("");
  document.querySelectorAll("#buttons button").forEach(b => b.onclick = () => answer(s.classes[+b.dataset.class]));
  render(s);
}
document.getElementById("skip").onclick = () => answer(null);
document.getElementById("undo").onclick = () => send("/api/undo", {});
document.addEventListener("keydown", e => {
  if (!state || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "u" || e.key === "Backspace") { e.preventDefault(); send("/api/undo", {}); return; }
  if (e.key === "s") { e.preventDefault(); answer(null); return; }
  const i = keys.indexOf(e.key.toLowerCase());
  if (i >= 0 && i < state.classes.length) { e.preventDefault(); answer(state.classes[i]); }
});
api("/api/state").then(build).catch(e => { document.getElementById("error").textContent = e.message; });
</script>
</body></html>
"""#
}
