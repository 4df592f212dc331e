"""Bins, sensor readings, their validation and storage, emptyings and fill-level forecasts."""
