"""Who sees what: the audiences, the audience-restricted cohort store, pseudonyms, disclosure control,
public aggregates, the open dataset, the leak scan and the public release."""
