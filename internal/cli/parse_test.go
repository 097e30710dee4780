//go:build linux && (amd64 || arm64)

package cli

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseInterspersed(t *testing.T) {
	fs := NewFlags("write")
	off := fs.Int("offset", 0, "")
	hold := fs.Bool("hold", false, "")
	pos, err := Parse(fs, []string{"FILE", "-offset", "8", "TEXT", "-hold", "--", "-x"})
	if err != nil {
		t.Fatal(err)
	}
	if *off != 8 || !*hold || !reflect.DeepEqual(pos, []string{"FILE", "TEXT", "-x"}) {
		t.Errorf("offset %d hold %v pos %q", *off, *hold, pos)
	}
}

func TestParseNegativeNumberIsPositional(t *testing.T) {
	pos, err := Parse(NewFlags("read"), []string{"f", "-1", "2"})
	if err != nil || !reflect.DeepEqual(pos, []string{"f", "-1", "2"}) {
		t.Errorf("pos %q err %v", pos, err)
	}
}

func TestParseErrorsAreUsageErrors(t *testing.T) {
	fs := NewFlags("anon")
	fs.String("size", "", "")
	for _, args := range [][]string{{"-nosuch"}, {"-size"}} {
		_, err := Parse(fs, args)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: got %v, want a UsageError", args, err)
		}
	}
}

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int64{"10": 10, "0x10": 16, "64K": 65536, "1M": 1 << 20, "2g": 2 << 30} {
		if got, err := ParseInt("n", in); err != nil || got != want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "1.5", "99999999999999999999", "9999999999999G"} {
		if _, err := ParseInt("n", in); err == nil {
			t.Errorf("ParseInt(%q) accepted", in)
		}
	}
}

func TestParseMode(t *testing.T) {
	if m, err := ParseMode("0640"); err != nil || m != 0o640 {
		t.Errorf("ParseMode(0640) = %o, %v", m, err)
	}
	for _, in := range []string{"0800", "1777", "rw"} {
		if _, err := ParseMode(in); err == nil {
			t.Errorf("ParseMode(%q) accepted", in)
		}
	}
}
