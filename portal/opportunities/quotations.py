"""Quotation exercises (being written)."""
