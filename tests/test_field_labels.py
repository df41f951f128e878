"""Field names as a biller knows them: 1-based points, no paths, and one for every field used."""

from __future__ import annotations

import pytest
import yaml
from support import REPO

from service.field_labels import known, label, labels


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("points[1].text", "Point 2"),
        ("points[0].heading", "Point 1 heading"),
        ("identifiers.Date of denial", "Date of denial"),
        ("signer.npi", "Signer's NPI"),
        ("enclosures[0]", "Enclosure 1"),
        ("service_lines-2-code", "Service 3 code"),
        ("patient_name", "Patient name"),
        ("criteria.SC1", "Criterion SC1"),
    ],
)
def test_paths_read_as_a_biller_names_them(path: str, name: str) -> None:
    assert label(path) == name


def test_an_unknown_path_falls_back_to_its_words() -> None:
    assert label("rendering_npi") == "Rendering npi"
    assert not known("rendering_npi")


def test_names_are_listed_once_in_order() -> None:
    assert labels(["member_id", "service_lines", "patient_name", "service_lines"]) == [
        "Member ID",
        "Services denied",
        "Patient name",
    ]


def _spec_paths() -> set[str]:
    paths: set[str] = set()
    for spec in (REPO / "templates").glob("*.elements.yaml"):
        for el in yaml.safe_load(spec.read_text(encoding="utf-8"))["elements"]:
            paths.update(el.get("any_of") or [el["where"]])
    return paths


def test_every_field_the_checks_forms_and_requests_use_has_a_name() -> None:
    from service.intake.request import CORRECTABLE
    from service.models import NecessityRequest
    from service.pipelines.revise import LETTER_FIELDS
    from service.web.corrections import DATE_FIELDS, TEXT_FIELDS

    paths = _spec_paths() | set(CORRECTABLE) | set(TEXT_FIELDS) | set(DATE_FIELDS)
    paths |= set(LETTER_FIELDS) | {"points[3].text", "points[3].heading", "criteria.X1"}
    paths |= {"text", "triage", "necessity", "criteria", "letter", "recipient", "report"}
    for name, field in NecessityRequest.model_fields.items():
        paths.add(name)
        sub = getattr(field.annotation, "model_fields", {})
        paths.update(f"{name}.{s}" for s in sub)
    missing = sorted(p for p in paths if not known(p))
    assert missing == []
