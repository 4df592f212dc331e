"""Recycling and reuse data: what each collection brought in, and the per-district, per-month report."""
