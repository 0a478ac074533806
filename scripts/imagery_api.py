"""The Imagery HTTP API as the page uses it, for the scripts that test a running server end to end
(staged-smoke-test.py, bake-test.py): create an image, upload one PNG, wait until the worker has
processed it, fetch the result. Standard library only."""
import json
import time
import urllib.error
import urllib.request
import uuid

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class APIFailure(Exception):
    """The server answered something the page would not accept; the message says what."""


def http(method, url, body=None, headers=None, timeout=30):
    """(status, body bytes) of one request; an HTTP error status is an answer, not an exception."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until(what, timeout, check, interval=0.2):
    """check()'s first truthy result within timeout seconds; APIFailure after that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    raise APIFailure(f"timed out after {timeout} s waiting for {what}")


def process_one_png(base, payload, timeout, expected_size):
    """Upload `payload` (a PNG) as a new image and wait until it is processed.

    Returns (image id, its record, the processed PNG's bytes); the PNG must be `expected_size` (w, h)."""
    status, body = http("POST", f"{base}/image", headers={"Accept": "application/json"})
    if status != 201:
        raise APIFailure(f"POST /image answered {status}: {body[:300]!r}")
    image_id = json.loads(body)["id"]
    boundary = "imagery-" + uuid.uuid4().hex
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"input.png\"\r\n"
                 f"Content-Type: image/png\r\n\r\n").encode() + payload + f"\r\n--{boundary}--\r\n".encode()
    status, body = http("POST", f"{base}/image/{image_id}/upload", body=multipart, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": "application/json"})
    if status not in (200, 201):
        raise APIFailure(f"upload answered {status}: {body[:300]!r}")

    def processed():
        status, body = http("GET", f"{base}/image/{image_id}", headers={"Accept": "application/json"})
        record = json.loads(body) if status == 200 else {}
        if record.get("state") == "failed":
            raise APIFailure(f"image failed: {record}")
        return record if record.get("state") == "processed" else None

    record = wait_until(f"image {image_id} to be processed", timeout, processed)
    url = record["processedImage"]
    if url.startswith("/"):
        url = base + url
    status, png = http("GET", url)
    if status != 200 or png[:8] != PNG_SIGNATURE:
        raise APIFailure(f"the processed image answered {status} and is not a PNG")
    size = (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big"))
    if size != tuple(expected_size):
        raise APIFailure(f"the processed image is {size[0]}x{size[1]}, expected {expected_size[0]}x{expected_size[1]}")
    return image_id, record, png
