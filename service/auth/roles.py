"""Roles and what each may do; practices' default id. Data only, cheap to import."""

from __future__ import annotations

ROLES = ("biller", "provider", "qa", "admin")
DEFAULT_PRACTICE = "default"
# What each role may do. Admin manages users, policies and settings, and may do the rest too,
# so the first account made on a fresh install can use the whole workspace.
PERMISSIONS: dict[str, frozenset[str]] = {
    "drafts.read": frozenset(ROLES),
    "denials.parse": frozenset(ROLES),
    "policies.read": frozenset(ROLES),
    "appeals.write": frozenset({"biller", "admin"}),
    "necessity.write": frozenset({"provider", "admin"}),
    "drafts.delete": frozenset({"admin"}),
    # taking a failed attempt off the list (its input is erased): whoever makes drafts
    "drafts.dismiss": frozenset({"biller", "provider", "admin"}),
    "policies.write": frozenset({"admin"}),
    "users.manage": frozenset({"admin"}),
}

__all__ = ["DEFAULT_PRACTICE", "PERMISSIONS", "ROLES"]
