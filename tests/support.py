"""Shared test helpers (import as `support`): paths, the scripted fake retriever, passages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from service.models import (
    CodeSystem,
    Denial,
    DiagnosisCode,
    PlanType,
    PolicyPassage,
    ServiceLine,
    StatedCriterion,
)

REPO = Path(__file__).resolve().parents[1]
# Outside data (real denial letters, NCDs, an LCD) lives beside the repository, never in it.
# A fresh clone has none: tests that read it skip, naming the folder; .ci/run has it and sets
# OVERTURN_REQUIRE_SHARED_DATA so that a missing folder fails the run instead (conftest.py).
SHARED_DATA = REPO.parent / "shared" / "data"
SHARED_REASON = f"{SHARED_DATA} is absent (outside data beside the repository; CI has it)"
REAL_LETTERS = ["adenomyosis", "jawjoint-mri", "lidocane", "lupron_cancer", "migrane_generic_drug"]
TODAY = "2026-11-22"


def shared(*parts: str) -> Path:
    """A path under ../shared/data; the calling test skips, naming the folder, when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(SHARED_REASON)
    return path


def denial_letter(name: str) -> str:
    """One of the real denial letters in ../shared/data/denial_letters, by file stem."""
    return shared("denial_letters", f"{name}.txt").read_text(encoding="utf-8")


class FakeRetriever:
    """Answers from a fixed list of passages: filters like the real one, ranks by code match."""

    corpus_version = "fake-1"

    def __init__(self, passages: list[PolicyPassage]) -> None:
        self.passages = passages
        self.queries: list[dict] = []

    def search(self, query, *, payer=None, codes=(), date_of_service=None, k=8, mode="hybrid"):
        self.queries.append({"query": query, "payer": payer, "codes": list(codes)})
        hits = [p for p in self.passages if payer is None or p.payer == payer]
        hits.sort(key=lambda p: -len(set(codes) & set(p.codes)))
        return hits[:k]

    def policy_passages(self, policy_id, version=None):
        return [p for p in self.passages if p.policy_id == policy_id]

    def count(self) -> int:
        return len(self.passages)


def passage(
    policy_id: str, n: int, text: str, payer: str = "northwind", codes: tuple[str, ...] = ("72148",)
) -> PolicyPassage:
    """A coverage-criteria passage as the chunker makes them."""
    return PolicyPassage(
        id=f"{policy_id}@v1#coverage-criteria-{n}",
        policy_id=policy_id,
        payer=payer,
        title="Magnetic resonance imaging of the lumbar spine",
        section=f"Coverage criteria > {n}",
        text=f"Coverage requires all of the following:\n{n}. {text}",
        effective_date=dt.date(2025, 3, 1),
        codes=list(codes),
    )


LUMBAR_POLICY = [
    passage(
        "NW-IMG-104",
        1,
        "Low back pain with radicular symptoms and a neurologic deficit "
        "such as weakness, reflex change or a positive straight leg raise.",
    ),
    passage(
        "NW-IMG-104",
        2,
        "At least six weeks of conservative treatment, including physical "
        "therapy and anti-inflammatory medication, has failed.",
    ),
]


def lumbar_denial(**overrides) -> Denial:
    """A Northwind lumbar-MRI denial stating two criteria; keyword arguments replace fields."""
    base = dict(
        payer="Northwind Health",
        plan_type=PlanType.COMMERCIAL,
        patient_name="Dana Whitfield",
        member_id="NWH448812",
        claim_number="CLM-2026-0091",
        denial_date=dt.date(2026, 10, 2),
        dates_of_service=[dt.date(2026, 9, 20)],
        service_lines=[
            ServiceLine(
                code="72148",
                code_system=CodeSystem.CPT,
                description="MRI lumbar spine without contrast",
            )
        ],
        diagnosis_codes=[DiagnosisCode(code="M54.16", description="Radiculopathy, lumbar region")],
        denial_reason="Not medically necessary.",
        stated_criteria=[
            StatedCriterion(
                id="SC1",
                text="The notes do not show six weeks of physical therapy "
                "and anti-inflammatory medicines that failed.",
            ),
            StatedCriterion(
                id="SC2",
                text="The notes do not show weakness, reflex changes or "
                "a positive straight leg raise.",
            ),
        ],
        source_text="Northwind Health denial of 72148 for M54.16, claim CLM-2026-0091.",
    )
    base.update(overrides)
    return Denial(**base)


def account(app, role: str = "admin", practice: str = "default", name: str | None = None):
    """A new account on the app's store: (principal, API token)."""
    import uuid

    from service.auth import Accounts

    accounts = Accounts(app.extensions["overturn"].store())
    user = accounts.add_user(name or f"{role}-{uuid.uuid4().hex[:8]}", role, practice)
    return user, accounts.issue_token(user.id)


def api_client(app, role: str = "admin", practice: str = "default"):
    """A test client that sends a bearer token of a new account with this role."""
    _, token = account(app, role, practice)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def signin_path(app, role: str = "admin", practice: str = "default") -> str:
    """The path of a one-time sign-in link for a new account with this role."""
    from service.auth import Accounts

    user, _ = account(app, role, practice)
    accounts = Accounts(app.extensions["overturn"].store())
    return f"/signin/{accounts.signin_link_token(user.id)}"


def web_client(app, role: str = "admin", practice: str = "default"):
    """A test client signed in to the workspace with a cookie session (forms need the token)."""
    client = app.test_client()
    assert client.get(signin_path(app, role, practice)).status_code == 303
    return client
