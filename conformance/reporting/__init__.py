"""Reporting: results.json, the HTML report (pytest-html), JUnit XML, the console, and run comparisons."""
