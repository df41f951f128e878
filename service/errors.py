"""The exception hierarchy. Each error carries data fields; api/problems.py maps them to
RFC 9457 problem+json, and the CLI maps them to exit code 2. Messages never quote PHI."""

from __future__ import annotations


class OverturnError(Exception):
    """Base class. `status` is the HTTP status, `slug` the problem type."""

    status = 500
    slug = "internal"
    title = "Internal error"

    def __init__(self, detail: str, **fields: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields = fields


class BadInput(OverturnError):
    status = 400
    slug = "bad-input"
    title = "The input could not be used"


class EmptyInput(BadInput):
    slug = "empty-input"
    title = "The input is empty"


class InputTooLarge(OverturnError):
    status = 413
    slug = "input-too-large"
    title = "The input is too large"


class NotText(BadInput):
    slug = "not-text"
    title = "The input is not text"


class InvalidJSON(BadInput):
    slug = "invalid-json"
    title = "The JSON could not be parsed"


class UnsupportedContentType(OverturnError):
    """A request body of a media type the endpoint does not read; `accepted` lists those it does."""

    status = 415
    slug = "unsupported-media-type"
    title = "The request body's content type is not accepted"


class TooManyAttempts(OverturnError):
    """Sign-in refused for a while after repeated wrong passwords; `retry_after` in seconds."""

    status = 429
    slug = "too-many-attempts"
    title = "Too many failed sign-ins"


class SchemaError(OverturnError):
    status = 422
    slug = "schema"
    title = "The input does not match the schema"


class InvalidCode(OverturnError):
    status = 422
    slug = "invalid-code"
    title = "A code is not valid"


class NotADenial(OverturnError):
    status = 422
    slug = "not-a-denial"
    title = "No denial could be read from the text"


class UnsupportedLanguage(OverturnError):
    status = 422
    slug = "unsupported-language"
    title = "The text is not in a supported language"


class NotFound(OverturnError):
    status = 404
    slug = "not-found"
    title = "Not found"


class NotReleased(OverturnError):
    """A download or send of a letter that the validator has not released."""

    status = 409
    slug = "not-released"
    title = "The letter has not been released"


class Conflict(OverturnError):
    """The draft is not in a state that allows this (dismissing a letter that was drafted)."""

    status = 409
    slug = "conflict"
    title = "Not possible in the draft's current state"


class IndexUnavailable(OverturnError):
    status = 503
    slug = "index-unavailable"
    title = "The policy index is unavailable"


class LLMError(OverturnError):
    """A model call failed; the pipeline falls back to the composer and never returns this raw."""

    status = 502
    slug = "llm-failed"
    title = "The model call failed"


class Unauthorized(OverturnError):
    """No credentials, or credentials that do not identify an active account."""

    status = 401
    slug = "unauthorized"
    title = "Sign in first"


class Forbidden(OverturnError):
    """The account's role does not allow this."""

    status = 403
    slug = "forbidden"
    title = "Not allowed for this role"


class CrossSiteRefused(Forbidden):
    """A state-changing request made with a cookie session without this site's form token."""

    slug = "cross-site-request"
    title = "The request did not come from this site's pages"


class BudgetExceeded(OverturnError):
    """Reading an input needed more time or produced more text than allowed (a PDF bomb)."""

    status = 413
    slug = "input-budget-exceeded"
    title = "The input needs more work than this service allows"
