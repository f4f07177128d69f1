"""`python -m referrals.loader [DIRECTORY]`: validate the referral dataset."""

import sys

from referrals.loader import main

sys.exit(main(sys.argv[1:]))
