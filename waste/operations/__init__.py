"""Operations simulator: weeks of collection, day by day, under one collection policy, with true fill levels.

Modules: :mod:`~waste.operations.city` (the city's tables, read from its folder), :mod:`~waste.operations.truth`
(the bins' true levels and the waste ledger), :mod:`~waste.operations.sensing` (what the sensors report),
:mod:`~waste.operations.policies` (which bins go each morning), :mod:`~waste.operations.routes` (the day's routes
with the real fleet), :mod:`~waste.operations.run` (the day loop), :mod:`~waste.operations.report` (table, CSV and
plots).
"""
