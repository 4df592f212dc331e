"""Daily collection plans: which bins to visit, vehicle routing, checking and solver benchmarks."""
