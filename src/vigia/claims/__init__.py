"""Claim checker: find the numeric claims of a text and check each against every stored release."""

from vigia.claims.check import check_file, check_text
from vigia.claims.model import Claim
from vigia.claims.verdict import VERDICTS

__all__ = ["VERDICTS", "Claim", "check_file", "check_text"]
