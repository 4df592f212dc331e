"""Solver benchmarks: standard VRPLIB families and our city days, equal budgets, independent checking, reports."""
