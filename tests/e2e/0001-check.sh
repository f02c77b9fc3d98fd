. "$SRCDIR/tests/lib.sh"
pass stub
done_testing
