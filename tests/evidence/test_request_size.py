"""A request too large to handle is answered 413 before its body is read: by the API with Plaint's error
body, by the pages in the visitor's language; through gunicorn, a 300 MiB body is never taken in, and
a body in chunks without its length is refused rather than read as empty."""

import os
import select
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from gunicorn.config import KNOWN_SETTINGS

from plaint.cases.models import Case
from tests import factories as f
from tests.api_client import ApiClient

ROOT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024


@pytest.mark.django_db
def test_the_api_answers_413_with_the_error_body_and_files_nothing(settings):
    settings.PLAINT_REQUEST_MAX_BYTES = 64 * 1024
    f.order(f.merchant("M-A"), "C1", external_id="O-1")
    api = ApiClient(f.token(f.consumer_user("C1")))
    report = {
        "target_type": "order",
        "target_id": "O-1",
        "category": "product_quality",
        "description": "x",
        "remedy_wanted": "refund",
    }

    response = api.post_form("/reports", report, files=[("big.jpg", os.urandom(100 * 1024), "photo_of_product")])

    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "request_too_large"
    assert body["field"] == "evidence"
    assert "the limit is 64 KB" in body["message"]
    assert "at most 10 files of up to 10 MB each" in body["hint"]
    assert not Case.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading", "limit"),
    [
        ("en", "What you sent is too large", "at most 64 KB can be sent at once"),
        ("zh-hans", "您发送的内容太大", "一次最多可提交 64 KB"),
    ],
)
def test_a_page_answers_413_in_the_visitors_language(settings, language, heading, limit):
    settings.PLAINT_REQUEST_MAX_BYTES = 64 * 1024
    client = Client(enforce_csrf_checks=True, headers={"accept-language": language})

    response = client.post("/accounts/login/", {"evidence": SimpleUploadedFile("big.jpg", os.urandom(100 * 1024))})

    assert response.status_code == 413
    page = response.content.decode()
    assert heading in page and limit in page


# --- through the real server ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """Plaint served by gunicorn with its production settings (one worker), on a free local port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {
        "PLAINT_BIND": f"127.0.0.1:{port}",
        "PLAINT_WEB_WORKERS": "1",
        "PLAINT_MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "plaint.wsgi"]
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        # One control socket path per user: test runs side by side must not take each other's.
        command.append("--no-control-socket")
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = []
    for line in server.stderr:  # gunicorn logs to stderr; the socket is bound once it says so
        log.append(line)
        if "Booting worker" in line:
            break
    else:
        pytest.fail("gunicorn did not start:\n" + "".join(log))
    threading.Thread(target=lambda: log.extend(server.stderr), daemon=True).start()
    yield port
    server.terminate()
    server.wait(timeout=30)


def send_until_answered(port: int, head: bytes, body_size: int, *, chunked: bool = False) -> tuple[int, bytes]:
    """Send `head`, then up to `body_size` bytes of body while watching for an answer; return (bytes sent, answer).

    The body is made as it is sent, so the client holds 64 KiB at a time whatever `body_size` is.
    """
    piece = b"a" * (64 * 1024)
    frame = b"%x\r\n" % len(piece) + piece + b"\r\n" if chunked else piece
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        sent = 0
        pending = b""
        while sent < body_size:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                break  # the server answered
            assert writable, "the server neither reads the body nor answers"
            pending = pending or frame
            try:
                done = sock.send(pending)
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += done
            pending = pending[done:]
        sock.setblocking(True)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:  # the server closed with our unread body in its buffer
            pass
    return sent, answer


def multipart_head(path: str, size: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: en\r\n"
        f"Content-Type: multipart/form-data; boundary=plaintboundary\r\nContent-Length: {size}\r\n\r\n"
        "--plaintboundary\r\n"
        'Content-Disposition: form-data; name="evidence"; filename="huge.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()


@pytest.mark.parametrize("path", ["/api/reports", "/accounts/login/"])
def test_a_300_mib_body_is_refused_before_it_is_read(gunicorn, path):
    size = 300 * MiB
    sent, answer = send_until_answered(gunicorn, multipart_head(path, size), size)

    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    # At most what the sockets' buffers took in before the answer: the worker never read the body.
    assert sent < 32 * MiB, f"{sent / MiB:.0f} MiB sent before the answer"
    if path.startswith("/api/"):
        assert b'"code": "request_too_large"' in answer and b"the limit is 101 MB" in answer
    else:
        assert b"What you sent is too large" in answer


@pytest.mark.parametrize("path", ["/api/reports", "/accounts/login/"])
def test_a_body_in_chunks_without_its_length_is_refused_unread_not_taken_as_empty(gunicorn, path):
    # Django reads a body only up to its Content-Length: without one, the files would silently vanish.
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: en\r\n"
        "Content-Type: multipart/form-data; boundary=plaintboundary\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    sent, answer = send_until_answered(gunicorn, head, 300 * MiB, chunked=True)

    assert answer.startswith(b"HTTP/1.1 411"), answer[:300]
    assert sent < 32 * MiB, f"{sent / MiB:.0f} MiB sent before the answer"
    if path.startswith("/api/"):
        assert b'"code": "length_required"' in answer
