"""The HTTP contract: the output fields, and every error path as problem+json without PHI."""

from __future__ import annotations

import json

import pytest
from support import denial_letter

LUMBAR_DENIAL = """Northwind Health
Claim Appeals, PO Box 4410, Springfield, IL 62701
October 2, 2026

Member: Dana Whitfield    Member ID: NWH448812
Claim number: CLM-2026-0091    Date of service: 09/20/2026
Service: 72148 MRI lumbar spine without contrast
Diagnosis: M54.16
CARC CO-50: These are non-covered services because this is not deemed a medical necessity.

We reviewed the request and the notes we have. The notes do not show that you had six weeks of
physical therapy and anti-inflammatory medicines that did not help. The notes also do not show
weakness, reflex changes or a positive straight leg raise.
You may appeal within 180 days of this notice.
"""

LUMBAR_CHART = """07/01/2026 PT evaluation
Physical therapy twice weekly started for lumbar radiculopathy.
08/26/2026 PT discharge note
Completed 8 weeks of physical therapy with no improvement in leg pain.
07/01/2026 Progress note
Naproxen 500 mg twice daily started; on 08/26/2026 pain persists at 7/10 despite naproxen.
09/02/2026 Progress note
Exam: positive straight leg raise on the left at 40 degrees; left ankle reflex diminished.
Electronically signed by Maria Lopez, MD, NPI 1234567893, phone 555-010-2000
"""

PHI = ("Dana Whitfield", "NWH448812", "CLM-2026-0091")


def assert_problem(resp, status: int, slug: str | None = None) -> dict:
    """One assertion for every error path: status, media type, RFC 9457 shape, no PHI."""
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    if slug:
        assert body["type"].endswith("/" + slug), body
    text = json.dumps(body)
    assert not any(value in text for value in PHI)
    assert "Traceback" not in text
    return body


def post_appeal(client, denial, chart=None):
    return client.post("/v1/appeals", json={"denial": denial, "chart": chart})


def test_appeal_released_with_the_output_contract(client):
    resp = post_appeal(client, LUMBAR_DENIAL, LUMBAR_CHART)
    assert resp.status_code == 201
    body = resp.get_json()
    for key in (
        "status",
        "letter_type",
        "text",
        "denial",
        "triage",
        "points",
        "gaps",
        "report",
        "provenance",
        "draft_id",
    ):
        assert key in body
    for key in (
        "payer",
        "service_codes",
        "diagnosis_codes",
        "carc_codes",
        "stated_criteria",
        "guideline",
    ):
        assert key in body["denial"]
    for key in ("category", "strategy", "appeal_level", "deadline"):
        assert key in body["triage"]
    assert body["status"] == "released", body["report"]
    assert body["report"]["ok"] is True
    assert "72148" in body["denial"]["service_codes"]
    assert "50" in body["denial"]["carc_codes"]
    for point in body["points"]:
        assert point["citations"] and point["chart_facts"] and point["answers"]
    assert resp.headers["Location"] == f"/v1/drafts/{body['draft_id']}"
    stored = client.get(resp.headers["Location"]).get_json()
    assert stored["status"] == "released"
    assert stored["input"]["denial"] == LUMBAR_DENIAL


def test_appeal_with_empty_chart_is_held_with_the_missing_elements(client):
    body = post_appeal(client, LUMBAR_DENIAL, None).get_json()
    assert body["status"] == "held"
    codes = {p["code"] for p in body["report"]["problems"]}
    assert "stated_criterion_not_documented" in codes
    assert "missing_element" in codes


def test_plain_text_and_form_uploads_are_accepted(client):
    resp = client.post("/v1/appeals", data=LUMBAR_DENIAL, content_type="text/plain")
    assert resp.status_code == 201
    from io import BytesIO

    resp = client.post(
        "/v1/appeals",
        content_type="multipart/form-data",
        data={
            "denial_file": (BytesIO(LUMBAR_DENIAL.encode()), "denial.txt"),
            "chart": LUMBAR_CHART,
        },
    )
    assert resp.status_code == 201 and resp.get_json()["status"] == "released"


@pytest.mark.parametrize(
    ("kwargs", "status", "slug"),
    [
        ({"data": "", "content_type": "application/json"}, 400, "empty-input"),
        ({"data": "{not json", "content_type": "application/json"}, 400, "invalid-json"),
        ({"data": "[1, 2]", "content_type": "application/json"}, 422, "schema"),
        ({"json": {"chart": "x"}}, 422, "schema"),
        ({"json": {"denial": ""}}, 400, "empty-input"),
        ({"json": {"denial": "   \n  "}}, 400, "empty-input"),
        ({"data": b"\x00\x01\x02\xff\xfe" * 200, "content_type": "text/plain"}, 400, "not-text"),
        ({"json": {"denial": "x" * 1_100_000}}, 413, "input-too-large"),
        ({"data": "a" * 5_000_000, "content_type": "text/plain"}, 413, None),
        ({"json": {"denial": 42}}, 400, "bad-input"),
        ({"data": "<x/>", "content_type": "application/xml"}, 415, "unsupported-media-type"),
    ],
)
def test_bad_input_gets_a_precise_problem(client, kwargs, status, slug):
    assert_problem(client.post("/v1/appeals", **kwargs), status, slug)


def test_denial_in_another_language_is_refused(client):
    spanish = (
        "Estimado miembro: Le informamos que su solicitud de resonancia magnética ha sido "
        "denegada porque no es médicamente necesaria. Usted tiene derecho a apelar esta "
        "decisión dentro de los 180 días siguientes a la fecha de este aviso."
    )
    assert_problem(post_appeal(client, spanish), 422, "unsupported-language")


def test_text_that_is_not_a_denial_is_refused(client):
    recipe = "Preheat the oven. Mix flour, sugar and butter, then bake the cake until golden."
    assert_problem(post_appeal(client, recipe), 422, "not-a-denial")


def test_invalid_codes_in_a_json_denial_are_refused(client):
    denial = {
        "payer": "Northwind Health",
        "diagnosis_codes": [{"code": "Z99.999"}],
        "service_lines": [{"code": "72148", "code_system": "CPT"}],
    }
    assert_problem(post_appeal(client, denial), 422, "invalid-code")


def test_json_denial_with_unknown_fields_is_a_schema_problem(client):
    assert_problem(
        post_appeal(
            client, {"payer": "X", "patient_name": "Dana Whitfield", "favourite_colour": "blue"}
        ),
        422,
        "schema",
    )


def test_input_is_kept_when_drafting_fails(client, monkeypatch):
    import service.pipelines.appeal as appeals

    def boom(*a, **k):
        raise RuntimeError("Dana Whitfield NWH448812")  # a crash whose message carries PHI

    monkeypatch.setattr(appeals, "draft_case", boom)
    resp = post_appeal(client, LUMBAR_DENIAL, LUMBAR_CHART)
    assert_problem(resp, 500, "internal")
    drafts = client.get("/v1/drafts").get_json()["drafts"]
    assert drafts and drafts[0]["status"] == "failed"
    kept = client.get(f"/v1/drafts/{drafts[0]['id']}").get_json()
    assert kept["input"]["denial"] == LUMBAR_DENIAL


def _stored(app) -> int:
    return app.extensions["overturn"].store().count()


def test_a_request_refused_before_drafting_leaves_no_draft(app, client):
    refused = [
        post_appeal(client, "Preheat the oven and bake."),  # read, and not a denial
        post_appeal(client, ""),
        post_appeal(client, LUMBAR_DENIAL, 7),
        client.post("/v1/appeals", json={"denial": LUMBAR_DENIAL, "requester": "robot"}),
        client.post("/v1/appeals", json={"denial": LUMBAR_DENIAL, "necessity": [1]}),
        client.post("/v1/appeals", json={"denial": LUMBAR_DENIAL, "corrections": {"x": 1}}),
        client.post("/v1/appeals", data=LUMBAR_DENIAL, content_type=URLENCODED),
    ]
    for resp in refused:
        assert "draft_id" not in assert_problem(resp, resp.status_code)
        assert 400 <= resp.status_code < 500
    assert _stored(app) == 0
    assert post_appeal(client, LUMBAR_DENIAL, LUMBAR_CHART).status_code == 201
    assert _stored(app) == 1


URLENCODED = "application/x-www-form-urlencoded"
ACCEPTED = ["application/json", "text/plain", "multipart/form-data"]


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (LUMBAR_DENIAL.replace("\n", " "), URLENCODED),  # what `curl -d @denial.txt` sends
        (b"", URLENCODED),
        ("<denial/>", "application/xml"),
        (b"%PDF-1.7", "application/pdf"),
    ],
)
def test_a_body_of_another_type_is_415_naming_the_types_taken(app, client, body, ctype):
    resp = client.post("/v1/appeals", data=body, content_type=ctype)
    problem = assert_problem(resp, 415, "unsupported-media-type")
    assert problem["accepted"] == ACCEPTED
    assert all(t in problem["detail"] for t in ACCEPTED)
    assert resp.headers["Accept-Post"] == ", ".join(ACCEPTED)
    assert _stored(app) == 0


def test_a_form_with_its_fields_is_still_read(client):
    resp = client.post(
        "/v1/appeals",
        data={"denial": LUMBAR_DENIAL, "chart": LUMBAR_CHART},
        content_type=URLENCODED,
    )
    assert resp.status_code == 201 and resp.get_json()["status"] == "released"


def test_necessity_letters_take_json_only(app, client):
    resp = client.post("/v1/necessity-letters", data="payer=x", content_type=URLENCODED)
    problem = assert_problem(resp, 415, "unsupported-media-type")
    assert problem["accepted"] == ["application/json"]
    assert _stored(app) == 0


def test_unknown_routes_and_methods_and_drafts(client):
    assert_problem(client.get("/v1/nothing"), 404)
    assert_problem(client.get("/v1/appeals"), 405)
    assert_problem(client.get("/v1/drafts/0000"), 404, "not-found")


def test_policy_search_validates_its_parameters(client):
    assert_problem(client.get("/v1/policies/search"), 400, "bad-input")
    assert_problem(client.get("/v1/policies/search?q=mri&mode=fuzzy"), 400, "bad-input")
    assert_problem(client.get("/v1/policies/search?q=mri&k=abc"), 400, "bad-input")
    hits = client.get("/v1/policies/search?q=lumbar+mri&payer=northwind&codes=72148").get_json()
    assert hits["results"] and hits["results"][0]["payer"] == "northwind"


def test_parse_endpoint_reads_a_real_denial_letter(client):
    text = denial_letter("jawjoint-mri")
    body = client.post("/v1/denials/parse", data=text, content_type="text/plain").get_json()
    assert "70336" in body["denial"]["service_codes"]
    assert body["triage"]["category"] == "medical_necessity"


def test_health_and_openapi(client):
    assert client.get("/healthz").get_json()["status"] == "ok"
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert "/v1/appeals" in doc["paths"] and "AppealResult" in doc["components"]["schemas"]


def test_openapi_lists_every_api_route_with_a_summary(app, client):
    from service.api.openapi import BODIES, api_rules

    doc = client.get("/openapi.json").get_json()
    listed = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in api_rules(app):
        path = rule.rule.replace("<", "{").replace(">", "}")
        path = "/".join(p.split(":")[-1] if p.startswith("{") else p for p in path.split("/"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in listed, (path, method)
            assert doc["paths"][path][method.lower()]["summary"], (
                f"{rule.endpoint} has no docstring"
            )
    assert set(BODIES) <= {r.endpoint for r in api_rules(app)}  # no entry for a gone route
    for needed in ("/v1/necessity-letters", "/v1/necessity-letters/readiness",
                   "/v1/drafts/{draft_id}/letter.{fmt}"):  # fmt: skip
        assert needed in doc["paths"]


def test_patient_requester_gets_a_first_person_letter_signed_by_the_patient(client):
    chart = "\n".join(line for line in LUMBAR_CHART.splitlines() if "signed" not in line)
    body = client.post(
        "/v1/appeals", json={"denial": LUMBAR_DENIAL, "chart": chart, "requester": "patient"}
    ).get_json()
    assert body["status"] == "released", body["report"]
    assert body["letter"]["voice"] == "patient"
    assert body["letter"]["signer"]["name"] == "Dana Whitfield"
    assert "I ask you to reverse" in body["text"] and "our patient" not in body["text"]


def test_unknown_requester_is_a_schema_problem(client):
    assert_problem(
        client.post("/v1/appeals", json={"denial": LUMBAR_DENIAL, "requester": "lawyer"}),
        422,
        "schema",
    )
