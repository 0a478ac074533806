// The Imagery page: create an image, upload the file, follow its state until it is processed.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const form = $("upload-form"), fileInput = $("file"), submit = $("submit");
  const statusBox = $("status"), message = $("message"), steps = $("steps");
  const order = ["created", "uploaded", "processed"];
  const pollMs = 1000;
  let pollTimer = null;

  function say(text, isError) {
    message.textContent = text;
    message.className = isError ? "error" : "";
  }

  async function api(method, path, body) {
    const response = await fetch(path, { method, body, headers: { Accept: "application/json" } });
    let data = null;
    try { data = await response.json(); } catch (_) { /* not JSON */ }
    if (!response.ok) {
      const detail = data && data.error ? data.error.message : response.status + " " + response.statusText;
      throw new Error(detail);
    }
    return data;
  }

  function show(image) {
    statusBox.hidden = false;
    // Exposed as data so scripts/page-test.py can wait for a state without parsing the wording.
    statusBox.dataset.state = image.state;
    $("image-id").textContent = image.id;
    const reached = order.indexOf(image.state);
    for (const li of steps.children) {
      const index = order.indexOf(li.dataset.state);
      li.className = image.state === "failed" ? (index === 0 ? "done" : "failed") : (index <= reached ? "done" : "");
    }
    if (image.state === "processed" && image.processedImage) {
      $("result-image").src = image.processedImage;
      $("result-link").href = image.processedImage;
      $("result").hidden = false;
      say("Done.");
    } else if (image.state === "failed") {
      say("Processing failed: " + (image.failureReason || "unknown reason"), true);
    } else if (image.state === "uploaded") {
      say("Waiting for a worker…");
    } else {
      say("Created; waiting for the upload…");
    }
    const finished = image.state === "processed" || image.state === "failed";
    $("again").hidden = !finished;
    return finished;
  }

  function follow(id) {
    clearTimeout(pollTimer);
    const tick = async () => {
      try {
        if (show(await api("GET", "/image/" + encodeURIComponent(id)))) return;
      } catch (error) {
        say(error.message + " (retrying)", true);
      }
      pollTimer = setTimeout(tick, pollMs);
    };
    tick();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) return;
    submit.disabled = true;
    $("result").hidden = true;
    try {
      say("Creating…");
      const created = await api("POST", "/image");
      show(created);
      location.hash = "view=" + created.id;
      say("Uploading…");
      const body = new FormData();
      body.append("file", file);
      show(await api("POST", "/image/" + created.id + "/upload", body));
      follow(created.id);
    } catch (error) {
      statusBox.hidden = false;
      statusBox.dataset.state = "error";
      say(error.message, true);
    } finally {
      submit.disabled = false;
    }
  });

  $("again").addEventListener("click", () => {
    clearTimeout(pollTimer);
    statusBox.hidden = true;
    delete statusBox.dataset.state;
    form.reset();
    history.replaceState(null, "", "/");
  });

  // A plain form post is redirected to /#view=<id>; so is a reload while following an image.
  const match = /view=([0-9a-fA-F-]{36})/.exec(location.hash);
  if (match) follow(match[1]);
})();
