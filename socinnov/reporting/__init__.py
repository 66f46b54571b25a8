"""Reports: their build (papermill, nbconvert), what notebooks display (tables, figures, French
prose), per-dossier sheets, PDF printing and the page templates."""
