"""Public-data sharing (公共数据共享): the departments' resource catalogue, requests for data that
serve a demand or a scenario, their 10-working-day deadline, reminders and escalation, and the
answer-time report."""
