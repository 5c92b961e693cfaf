"""Supplier organisations: every supplier-owned record belongs to one."""
