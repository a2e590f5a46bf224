"""Jobs the cluster tests send to the workers (importable there through PYTHONPATH)."""

from __future__ import annotations

import time

from pipeline.errors import InputError, TemplateError
from pipeline.render.cluster import sealed


def worker_address() -> str:
    from distributed import get_worker
    return get_worker().address


def add(a: int, b: int) -> int:
    return a + b


def template_fault() -> None:
    raise TemplateError("unknown field: 'c.nme'", "templates/pack/template.html", 12, hint="Fix the field's name.")


def input_fault() -> None:
    raise InputError("not a date", file="sales.csv", row=7, column="order_date", hint="Write it as 2026-10-31.")


def document(number: int, seconds: float) -> tuple[tuple[bytes, str], str]:
    """A document that takes ``seconds`` to make and writes nothing: its bytes (sealed)
    and the worker that made it."""
    time.sleep(seconds)
    return sealed(f"%PDF-1.7 document {number}\n".encode() * 1000), worker_address()


def damaged() -> tuple[bytes, str]:
    data, digest = sealed(b"%PDF-1.7 the real document")
    return data[:-1], digest
