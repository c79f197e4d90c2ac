"""Departments, liaisons (红链专员), their 驻企 assignments and the chains' task forces."""
