package storage

import "time"

var zeroTimeForTest = time.Unix(0, 0)
