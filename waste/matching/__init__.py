"""The matching platform: collection requests, haulers, offers, their lifecycle and who may see what.

Requests come from the API, a web form, a CSV import or a sensor (:mod:`waste.matching.sensor`); haulers come with a
service area, streams, trucks, a price list and a daily capacity (:mod:`waste.matching.haulers`). Pricing an offer
needs the routing engine, so offers are made in :mod:`routing.matching`; this package holds everything that does not.
"""
