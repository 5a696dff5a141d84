"""Interactive network views for leaders: built from the prepared queries, rendered offline.

``viz.views`` holds the registry of views, ``viz.render`` turns a ``GraphView`` into a
self-contained HTML page (vis-network inlined, no request leaves the machine).
"""
