"""Analysis library: pure functions shared by the comparison, the study and the atlas."""
