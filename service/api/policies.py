"""/v1/policies: hybrid search of the policy index, listing its documents, adding new ones."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from service.auth import acting
from service.auth.roles import DEFAULT_PRACTICE
from service.errors import BadInput, Forbidden
from service.resources import current

bp = Blueprint("policies", __name__)
MODES = ("hybrid", "dense", "bm25")
META_FIELDS = (
    "policy_id", "payer_id", "title", "effective_date", "version", "superseded_date",
    "plan_types", "codes",
)  # fmt: skip
# What a raw (non-form) upload's Content-Type says about its format
RAW_SUFFIXES = {
    "application/pdf": ".pdf",
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "text/plain": ".md",
}
FORM_OVERHEAD = 1024 * 1024  # room for multipart boundaries and metadata fields


@bp.get("/v1/policies/search")
def search():
    """Query params: q (required), payer, codes (comma-separated), mode, k (1-50)."""
    q = (request.args.get("q") or "").strip()
    if not q:
        raise BadInput("Query parameter 'q' is required.", field="q")
    mode = request.args.get("mode", "hybrid")
    if mode not in MODES:
        raise BadInput(f"mode must be one of {', '.join(MODES)}.", field="mode")
    try:
        k = int(request.args.get("k", "8"))
    except ValueError as err:
        raise BadInput("k must be an integer.", field="k") from err
    if not 1 <= k <= 50:
        raise BadInput("k must be between 1 and 50.", field="k")
    codes = [c.strip() for c in request.args.get("codes", "").split(",") if c.strip()]
    hits = (
        current()
        .retriever()
        .search(q[:2000], payer=request.args.get("payer") or None, codes=codes, k=k, mode=mode)
    )
    return jsonify({"results": [p.model_dump(mode="json") for p in hits]})


@bp.get("/v1/policies")
def list_policies():
    """Every policy document in the index (query param payer narrows it), with its dates."""
    from service.policies.retrieve import policy_versions

    stored = current().retriever().passages  # the acting practice's view
    rows = policy_versions(stored.values() if isinstance(stored, dict) else stored)
    payer = request.args.get("payer")
    return jsonify({"policies": [row for row in rows if not payer or row["payer"] == payer]})


@bp.post("/v1/policies")
def add_policies():
    """Add policy documents: multipart `file` part(s) plus metadata fields, or a raw body.

    201 with a report when something was stored; 200 when every document was already there.
    """
    from service.policies import documents

    # policies are larger than denials: this route alone accepts one document of the full size
    request.max_content_length = documents.MAX_POLICY_BYTES + FORM_OVERHEAD
    docs, defaults = _uploads()
    res = current()
    practice = acting.current().practice_id or DEFAULT_PRACTICE
    with res.policy_writes:
        index = res.policy_index()
        ours = _check_ownership(index, docs, defaults, practice)
        payer_file = res.settings.data_path / "payers.yaml"
        report = documents.add_documents(index, docs, defaults=defaults, payer_file=payer_file)
        res.store().policies.own(ours, practice, added_by=acting.current().id)
        if report["changed"]:
            res.refresh_retriever()  # every worker follows the new index version
    return jsonify(report), 201 if report["changed"] else 200


def _check_ownership(
    index: Any, docs: list[tuple[str, bytes]], defaults: dict, practice: str
) -> list[str]:
    """The documents' ids; Forbidden when one would overwrite the shared corpus or a document
    another practice loaded (a practice adds its own policies, or a new version of one)."""
    from service.policies import documents
    from service.policies.retrieve import document_id

    ids = [
        document_id(documents.load_document(data, name, defaults=defaults)[0].id)
        for name, data in docs
    ]
    owners = current().store().policies.owners()
    stored = {document_id(pid) for pid in index.hashes()}
    for doc in ids:
        if doc in stored and owners.get(doc) != practice:
            raise Forbidden(
                "This policy version is part of the shared corpus or another practice's "
                "policies; add it under a new version number.",
                field="version",
            )
    return ids


def _uploads() -> tuple[list[tuple[str, bytes]], dict]:
    """(filename, bytes) of each uploaded document and the metadata fields sent with them."""
    ctype = (request.mimetype or "").lower()
    if ctype == "multipart/form-data":
        files = [f for key in ("file", "files") for f in request.files.getlist(key) if f]
        docs = [(f.filename or "document", f.read()) for f in files]
        return docs, _metadata(request.form)
    if ctype in RAW_SUFFIXES or ctype == "application/octet-stream":
        name = request.args.get("filename") or "document" + RAW_SUFFIXES.get(ctype, "")
        return [(name, request.get_data(cache=False))], _metadata(request.args)
    raise BadInput(
        "Send the policy as multipart/form-data (field 'file') or as a raw body with "
        "Content-Type application/pdf, text/html or text/markdown.",
        field="content-type",
    )


def _metadata(source) -> dict:
    """Metadata fields given with the upload; they fill what a document does not say itself."""
    meta = {key: source.get(key, "").strip() for key in META_FIELDS if source.get(key, "").strip()}
    if "payer_id" not in meta and source.get("payer", "").strip():
        meta["payer_id"] = source.get("payer").strip()
    return meta
