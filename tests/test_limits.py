"""Limits that hold under attack: a PDF decompression bomb, over-size bodies and a list of bad
bodies posted to every endpoint. Every answer is problem+json, none is a 500, and nothing is
stored for a request refused for its size.

Measured for the README: the bomb refused in under 2 s with nothing stored; bad inputs tried per
endpoint and the number of 500s among their answers (0)."""

from __future__ import annotations

import io
import json
import time
import zlib

import pytest
from test_api import LUMBAR_CHART, LUMBAR_DENIAL, assert_problem


def bomb_pdf(megabytes: int = 40) -> bytes:
    """A one-page PDF whose text stream inflates from tens of KB to `megabytes` MB."""
    line = b"BT /F1 12 Tf 72 720 Td (" + b"A" * 240 + b") Tj ET\n"
    content = line * (megabytes * 1_000_000 // len(line))
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _drafts(app) -> int:
    return app.extensions["overturn"].store().count()


def test_decompression_bomb_is_refused_fast_and_nothing_is_stored(app, client) -> None:
    bomb = bomb_pdf()
    assert len(bomb) < 200_000  # small on the wire, 40 MB of text inside
    started = time.monotonic()
    resp = client.post(
        "/v1/appeals",
        data={"denial_file": (io.BytesIO(bomb), "denial.pdf")},
        content_type="multipart/form-data",
    )
    elapsed = time.monotonic() - started
    assert_problem(resp, 413, "input-budget-exceeded")
    assert elapsed < 2.0, f"the bomb took {elapsed:.2f} s"
    assert _drafts(app) == 0


def test_bomb_as_a_policy_upload_is_refused(client) -> None:
    resp = client.post(
        "/v1/policies?payer=northwind",
        data=bomb_pdf(),
        content_type="application/pdf",
    )
    assert resp.status_code in (400, 413, 503), resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/problem+json"


def test_an_over_limit_text_is_refused_before_it_is_stored(app, client, settings) -> None:
    big = "Denied as not medically necessary. " * (settings.max_input_bytes // 30)
    resp = client.post("/v1/appeals", json={"denial": big, "chart": "note"})
    assert_problem(resp, 413, "input-too-large")
    assert _drafts(app) == 0
    lmn = client.post("/v1/necessity-letters", json={"chart": big, "payer": "northwind"})
    assert_problem(lmn, 413)
    assert _drafts(app) == 0


JSON = "application/json"
DEEP = b'{"denial": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
BAD_BODIES: list[tuple[str, bytes | str, str]] = [
    ("empty", b"", "application/json"),
    ("whitespace", b"   ", "application/json"),
    ("null", b"null", "application/json"),
    ("a list", b"[1, 2]", "application/json"),
    ("a number", b"42", "application/json"),
    ("truncated", b'{"denial": "Denied', "application/json"),
    ("100k-deep nesting", DEEP, "application/json"),
    ("65-deep nesting", b'{"denial": ' + b"[" * 65 + b"]" * 65 + b"}", "application/json"),
    ("lone surrogate", b'{"denial": "\\ud800 denied"}', "application/json"),
    ("lone surrogate key", b'{"\\udfff": 1, "denial": "x"}', "application/json"),
    ("invalid utf-8", b'{"denial": "\xff\xfe\xfa"}', "application/json"),
    ("denial a number", b'{"denial": 5}', "application/json"),
    ("denial a list", b'{"denial": ["a", "b"]}', "application/json"),
    ("denial object of junk", b'{"denial": {"payer": [1], "dates_of_service": 0}}', JSON),
    ("chart a number", b'{"denial": "x", "chart": 7}', "application/json"),
    ("corrections a string", b'{"denial": "x", "corrections": "all"}', "application/json"),
    ("llm_extract a string", b'{"denial": "x", "llm_extract": "yes"}', "application/json"),
    ("requester unknown", b'{"denial": "x", "requester": "robot"}', "application/json"),
    ("necessity a list", b'{"denial": "x", "necessity": [1]}', "application/json"),
    ("NUL bytes", b"Denied\x00\x00\x00 claim", "text/plain"),
    ("binary", bytes(range(256)) * 4, "application/octet-stream"),
    ("not English", "Su solicitud fue denegada porque no es necesaria. " * 20, "text/plain"),
    ("xml", b"<denial><payer>x</payer></denial>", "application/xml"),
    ("form without fields", b"", "application/x-www-form-urlencoded"),
    ("garbage pdf", b"%PDF-1.7\n garbage", "application/pdf"),
    ("over the body limit", b'{"denial": "' + b"a" * 2_200_000 + b'"}', "application/json"),
]  # fmt: skip
POSTS = [
    "/v1/appeals",
    "/v1/denials/parse",
    "/v1/necessity-letters",
    "/v1/necessity-letters/readiness",
    "/v1/policies",
]


def test_bad_bodies_to_every_endpoint_are_problems_never_500s(app, client) -> None:
    answers = []
    for url in POSTS:
        for name, body, ctype in BAD_BODIES:
            data = body.encode("utf-8") if isinstance(body, str) else body
            resp = client.post(url, data=data, content_type=ctype)
            answers.append((url, name, resp.status_code, resp.mimetype))
    for url in ("/v1/drafts/not-a-draft", "/v1/drafts/../../etc/passwd", "/v1/drafts/x/letter.rtf"):
        resp = client.get(url)
        answers.append((url, "get", resp.status_code, resp.mimetype))
    for query in ("", "?q=", "?q=mri&k=0", "?q=mri&k=x", "?q=mri&mode=x", "?q=" + "a" * 5000):
        resp = client.get("/v1/policies/search" + query)
        answers.append(("search", query[:20], resp.status_code, resp.mimetype))
    server_errors = [a for a in answers if a[2] >= 500 and a[2] != 503]
    not_problems = [a for a in answers if a[2] >= 400 and a[3] != "application/problem+json"]
    assert server_errors == [], server_errors
    assert not_problems == [], not_problems
    assert _drafts(app) == 0  # every body above is refused before it is kept
    assert len(answers) >= 130
    # the shapes Python's parser would have turned into a 500 are plain invalid JSON
    by_name = {(url, name): status for url, name, status, _ in answers}
    for name in ("100k-deep nesting", "65-deep nesting", "lone surrogate", "lone surrogate key"):
        assert by_name[("/v1/appeals", name)] == 400, name
    # no bad body was kept as a draft: each was refused before it was stored or
    # failed in parsing (kept, marked failed, as any failed draft is)
    store = app.extensions["overturn"].store()
    assert store.count("drafting") == 0


@pytest.mark.parametrize(
    "body",
    [
        {"denial": LUMBAR_DENIAL, "chart": LUMBAR_CHART},
        {"denial": LUMBAR_DENIAL, "chart": {"facts": [{"type": "exam", "text": "x" * 10}]}},
    ],
)
def test_good_bodies_still_work(client, body) -> None:
    assert (
        client.post(
            "/v1/appeals", data=json.dumps(body), content_type="application/json"
        ).status_code
        == 201
    )
