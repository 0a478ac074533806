#!/usr/bin/env python3
"""Drive the Imagery page in headless Chromium: create, upload a file, wait for `processed`, see the image.

Runs against a live imagery-server (and a worker behind it), e.g. the one the Swift test
`PageTests` starts against moto. For each viewport (a phone and a desktop by default) it opens the
page, chooses the file in the page's file input, submits, waits (bounded) until the page shows the
processed state with an <img> of the expected natural width whose pixels are those of the expected
sepia PNG, checks the page loaded nothing from another origin, fits the viewport's width and logged
no errors, and saves a screenshot. Exits 0 on success; otherwise 1 with a message that says
what the page showed.

Needs Debian's `chromium` and `chromium-driver` and Selenium (`make deps` installs all three).
"""
import argparse
import base64
import os
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class PageTestFailure(Exception):
    """The page did not do what it should; the message says what it showed instead."""


def fixture_sepia(name: str) -> Path:
    """The reference image pair in the repository's Tests/Fixtures/sepia."""
    return REPOSITORY / "Tests" / "Fixtures" / "sepia" / name


def parse_viewport(text: str):
    try:
        width, height = (int(part) for part in text.lower().split("x"))
        return width, height
    except ValueError:
        raise argparse.ArgumentTypeError(f"viewport '{text}' is not WIDTHxHEIGHT, e.g. 390x844")


def start_browser():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        raise PageTestFailure(f"{', '.join(missing)} not found; install Debian's chromium and chromium-driver (make deps)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise PageTestFailure("Selenium is not installed; run make deps (pip install -r requirements-dev.txt)")
    # Both paths are given, so Selenium Manager has nothing to look up; offline makes sure it never downloads.
    os.environ["SE_OFFLINE"] = "true"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--no-first-run", "--disable-extensions", "--window-size=1280,800", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


# One round trip that says everything the wait needs, so a timeout can report what the page showed.
PAGE_STATE_JS = """
const status = document.getElementById("status"), img = document.getElementById("result-image");
const result = document.getElementById("result");
return {
  state: status && !status.hidden ? (status.dataset.state || "") : "",
  message: (document.getElementById("message") || {}).textContent || "",
  imageId: (document.getElementById("image-id") || {}).textContent || "",
  resultVisible: !!(result && !result.hidden && result.getBoundingClientRect().height > 0),
  src: img ? img.currentSrc || img.src : "",
  complete: !!(img && img.complete),
  naturalWidth: img ? img.naturalWidth : 0,
  naturalHeight: img ? img.naturalHeight : 0,
};
"""

# The shown image's pixels against the expected sepia PNG, both decoded by the browser itself (the
# expected one from a data: URL) so colour handling is the same on both sides.
SAME_PIXELS_JS = """
const [expectedURL, done] = arguments;
function pixels(img) {
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  return context.getImageData(0, 0, canvas.width, canvas.height).data;
}
const shown = document.getElementById("result-image");
const expected = new Image();
expected.onerror = () => done({ error: "the expected PNG did not decode" });
expected.onload = () => {
  const a = pixels(shown), b = pixels(expected);
  let differing = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i += 4) {
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3]) differing++;
  }
  done({ pixels: a.length / 4, expectedPixels: b.length / 4, differing });
};
expected.src = expectedURL;
"""


def run_viewport(driver, base_url: str, image: Path, viewport, expected_width: int, expected_url: str, timeout: float,
                 shots: Path) -> Path:
    width, height = viewport
    mobile = width < 600
    # Device metrics rather than the window size: a phone gets its CSS width, pixel ratio and
    # mobile viewport handling (the page's meta viewport), as on a real phone.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 3 if mobile else 1, "mobile": mobile})
    driver.get(base_url.rstrip("/") + "/")
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "file").send_keys(str(image))
    driver.find_element(By.ID, "submit").click()

    deadline = time.monotonic() + timeout
    seen = []
    page = {}
    while True:
        page = driver.execute_script(PAGE_STATE_JS)
        if not seen or seen[-1] != page["state"]:
            seen.append(page["state"])
        if page["state"] in ("failed", "error"):
            raise PageTestFailure(f"{width}x{height}: the page shows state '{page['state']}': {page['message']!r}")
        if page["state"] == "processed" and page["complete"] and page["naturalWidth"] > 0 and page["resultVisible"]:
            break
        if time.monotonic() > deadline:
            raise PageTestFailure(
                f"{width}x{height}: not processed within {timeout:.0f} s; states seen {seen}, "
                f"last message {page['message']!r}, image {page['src']!r} naturalWidth {page['naturalWidth']}")
        time.sleep(0.2)

    if page["naturalWidth"] != expected_width:
        raise PageTestFailure(
            f"{width}x{height}: the processed <img> is {page['naturalWidth']}x{page['naturalHeight']}, expected width {expected_width}")
    if f"/image/{page['imageId']}" not in page["src"]:
        raise PageTestFailure(f"{width}x{height}: the <img> loads {page['src']!r}, not the server route of image {page['imageId']}")
    # Before the comparison below adds a data: URL of its own.
    origin = base_url.rstrip("/")
    foreign = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(arguments[0]))", origin)
    if foreign:
        raise PageTestFailure(f"{width}x{height}: the page loaded resources from elsewhere: {foreign}")
    comparison = driver.execute_async_script(SAME_PIXELS_JS, expected_url)
    if comparison.get("error") or comparison["differing"] or comparison["pixels"] != comparison["expectedPixels"]:
        raise PageTestFailure(f"{width}x{height}: the shown image is not the expected sepia result: {comparison}")
    # The result must be on screen without horizontal scrolling (the page is meant for phones).
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        raise PageTestFailure(f"{width}x{height}: the page is {overflow} px wider than the viewport")
    errors = [entry["message"] for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]
    if errors:
        raise PageTestFailure(f"{width}x{height}: the browser console has errors: {errors}")

    shot = shots / f"page-{width}x{height}.png"
    driver.save_screenshot(str(shot))
    print(f"ok {width}x{height}: image {page['imageId']} states {seen}, <img> {page['naturalWidth']}x{page['naturalHeight']} "
          f"with the expected sepia pixels ({comparison['pixels']}), screenshot {shot}", flush=True)
    return shot


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the server's base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--image", type=Path, default=fixture_sepia("input-64x48.png"),
                        help="file to upload (default: Tests/Fixtures/sepia/input-64x48.png)")
    parser.add_argument("--expected", type=Path, default=fixture_sepia("expected-jimp-sepia-64x48.png"),
                        help="PNG the page must show, pixel for pixel (default: Tests/Fixtures/sepia/expected-jimp-sepia-64x48.png)")
    parser.add_argument("--expected-width", type=int, default=64, help="naturalWidth of the processed image")
    parser.add_argument("--viewport", type=parse_viewport, action="append",
                        help="WIDTHxHEIGHT, repeatable (default: 390x844 and 1280x800)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for processed, per viewport")
    parser.add_argument("--screenshots", type=Path, help="folder for the screenshots (default: a new temporary folder)")
    args = parser.parse_args()

    for path in (args.image, args.expected):
        if not path.is_file():
            print(f"page-test: FAIL: {path} does not exist (Tests/Fixtures is part of the repository: git checkout -- Tests/Fixtures)", file=sys.stderr)
            return 1
    expected_url = "data:image/png;base64," + base64.b64encode(args.expected.read_bytes()).decode("ascii")
    shots = args.screenshots or Path(tempfile.mkdtemp(prefix="imagery-page-"))
    shots.mkdir(parents=True, exist_ok=True)
    driver = None
    try:
        driver = start_browser()
        driver.set_page_load_timeout(args.timeout)
        driver.set_script_timeout(10)
        for viewport in args.viewport or [(390, 844), (1280, 800)]:
            run_viewport(driver, args.url, args.image.resolve(), viewport, args.expected_width, expected_url, args.timeout, shots)
    except PageTestFailure as failure:
        if driver is not None:
            try:
                driver.save_screenshot(str(shots / "page-failure.png"))
                print(f"page-test: screenshot of the failure: {shots / 'page-failure.png'}", file=sys.stderr)
            except Exception:
                pass
        print(f"page-test: FAIL: {failure}", file=sys.stderr)
        return 1
    except Exception as error:  # WebDriver errors: say which, without a wall of stack trace.
        print(f"page-test: FAIL: {type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}",
              file=sys.stderr)
        return 1
    finally:
        if driver is not None:
            driver.quit()
    print("page-test: ok", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
