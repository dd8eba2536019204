"""Benefits pages, one module per area: catalog and rules, eligibility runs, enrolments,
payroll, ledgers and the self-check."""
