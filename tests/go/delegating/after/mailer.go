package mailer

import "errors"

var errNoRecipient = errors.New("no recipient")
