"""Supervision orders (督办单 and the other measures) and consultations (会商), kept in the graph.

``machine``: the state machine (pure); ``store``: reads and writes in Neo4j; ``importer``: orders
from a spreadsheet; ``rights``: who may do what (api/roles.toml); ``sample``: the demo city's orders.
"""
