"""Files → articles → sentences → chunks: reading a corpus folder and cutting it into retrievable pieces."""
