package contactsio_test

import (
	"testing"

	"github.com/kithhq/kith/kithtest"
)

func TestMain(m *testing.M) {
	kithtest.Main(m)
}
