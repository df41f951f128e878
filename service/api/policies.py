"""GET /v1/policies/search: hybrid search of the policy index."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from service.api.resources import resources
from service.errors import BadInput

bp = Blueprint("policies", __name__)
MODES = ("hybrid", "dense", "bm25")


@bp.get("/v1/policies/search")
def search():  # type: ignore[no-untyped-def]
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
        resources()
        .retriever()
        .search(q[:2000], payer=request.args.get("payer") or None, codes=codes, k=k, mode=mode)
    )
    return jsonify({"results": [p.model_dump(mode="json") for p in hits]})
