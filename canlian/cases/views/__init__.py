"""Pages of visits and cases: visits.py (due lists, recording, plans) and cases.py (the case
lifecycle and the 问题清单 board)."""
