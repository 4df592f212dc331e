"""Waste-to-energy estimates: heating value, conversion technologies, plant sizing and costs."""
