package store

// ApplicantSearchSQL exposes the search's query to tests.
var ApplicantSearchSQL = applicantSearchSQL
