"""Schema review of a change: diff two catalogs, cascade reach, lint delta, statement locks, a diagram.

`x121-docs review BASE [--head REF]` (commands.py) builds a `Review` (report.py) from two git
refs' migrations or two catalog dumps; render.py writes it as a pull-request comment or JSON.
"""
