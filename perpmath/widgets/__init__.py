"""Interactive explorers (ipywidgets) for the course notebooks.

Each ``*_explorer`` function builds a widget that calls the perpmath core
and the plot helpers, and returns it without displaying it. Submodules are
named after the course section they serve.
"""
