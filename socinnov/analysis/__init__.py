"""Statistics on a cohort's tables: agreement between jurors, juror effects, scores, the criteria
analysis, the cohort overview and the follow-up of funded experiments. Works on data frames; never
loads a cohort nor decides who may see a result."""
