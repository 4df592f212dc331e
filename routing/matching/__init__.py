"""Matching requests to haulers with the routing engine: offers priced by insertion cost, rules, batch assignment.

:mod:`~routing.matching.day` keeps each hauler's routes of a day and prices inserting a stop into them;
:mod:`~routing.matching.offers` makes a request's offers; :mod:`~routing.matching.rules` picks one;
:mod:`~routing.matching.batch` matches a day's requests jointly; :mod:`~routing.matching.schedule` turns a hauler's
accepted stops into a solved, checked daily plan; :mod:`~routing.matching.engine` ties them to the store.
"""
