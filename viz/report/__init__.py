"""The periodic bulletin (通报 / 分析研判报告): content from the prepared queries, rendered to
DOCX (python-docx), HTML (jinja2) and PDF (the same HTML printed by headless Chromium)."""
