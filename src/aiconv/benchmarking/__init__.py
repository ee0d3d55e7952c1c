"""The performance harness behind ``aic bench`` and ``make bench``.

It lives inside the package (not in the top-level ``benchmarks/`` folder) so an installed
``aic`` can run it and so child processes can start it with ``python -m``; ``benchmarks/`` holds
its README and the committed result documents. Scenarios drive the real conductor and logs with
the offline ``mock`` provider; nothing here is imported by the platform, and no figure here is
asserted by a unit test (targets are reported, not enforced).

Modules: ``stats`` (percentiles), ``facts`` (machine and versions), ``probe`` (the measuring
observer and the standard workload), ``backends`` (memory, a SQLite file, a private
``redis-server``), ``scenarios`` (in-process figures), ``processes`` (child processes: hand-off,
concurrency, append writers, fleet), ``peers`` (AutoGen side by side), ``report`` (the JSON
document and the table), ``runner`` (the whole run).
"""
