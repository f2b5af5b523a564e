package bulk

// CopyRows is copyRows, for the external tests of the binary COPY.
var CopyRows = copyRows
