"""The conformance suite's pytest plugins load through the package's `pytest11` entry points, so from here
`pytest --conformance` (the embedded mock) or `pytest --spec PATH --base-url URL` runs the suite; plain
`pytest` runs the project's own tests under tests/.
"""
