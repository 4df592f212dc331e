"""Operations simulator: weeks of collection, day by day, under one collection policy, with true fill levels.

Modules: :mod:`~routing.operations.city` (the city's tables, read from its folder), :mod:`~routing.operations.truth`
(the bins' true levels and the waste ledger), :mod:`~routing.operations.sensing` (what the sensors report),
:mod:`~routing.operations.policies` (which bins go each morning), :mod:`~routing.operations.routes` (the day's routes
with the real fleet), :mod:`~routing.operations.run` (the day loop), :mod:`~routing.operations.report` (table, CSV and
plots).
"""
