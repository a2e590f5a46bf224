"""salespack: the month-end sales pack.

Stages, each usable alone: ``read`` (exports to frames) -> ``validate`` (rules,
rejects, reconciliation) -> ``compute`` (the figures of kpis.md) -> ``render``
(PDF pack, certificates, workbook, manifest). ``cli`` is a thin shell over them.
"""

__version__ = "0.1.0"
