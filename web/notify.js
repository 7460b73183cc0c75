// Desktop notifications for a feed room, after the user asks for them,
// while the tab is in the background.

// At most one notification per this many ms; messages in between are
// counted into the next one.
const QUIET_MS = 2000;

function stored(key) {
	try {
		return localStorage.getItem(key) === "on";
	} catch (e) {
		return false;	// storage is off: the choice lasts one visit
	}
}

function store(key, on) {
	try {
		if (on)
			localStorage.setItem(key, "on");
		else
			localStorage.removeItem(key);
	} catch (e) {
		// As above.
	}
}

export class Notifier {
	// room: the room's name. ui: the opt-in button and a note beside it.
	constructor(room, ui) {
		this.room = room;
		this.ui = ui;
		this.key = "wsfeed.notify." + room;
		this.wanted = stored(this.key);
		this.pending = 0;
		this.latest = "";
		this.timer = 0;
		ui.button.onclick = () => this.toggle();
		this.update();
	}

	// Why notifications cannot work here, or "" when they can.
	blocker() {
		if (!window.isSecureContext)
			return "Desktop notifications need a secure page: " +
			    "open the dashboard over https, or as " +
			    "http://localhost or http://127.0.0.1.";
		if (!("Notification" in window))
			return "This browser has no desktop notifications.";
		if (Notification.permission === "denied")
			return "Notifications are blocked for this site in " +
			    "the browser's settings.";
		return "";
	}

	get on() {
		return this.wanted && this.blocker() === "" &&
		    Notification.permission === "granted";
	}

	async toggle() {
		if (this.on) {
			this.wanted = false;
			store(this.key, false);
			this.update();
			return;
		}
		if (this.blocker() !== "")
			return this.update();
		const answer = await Notification.requestPermission();
		this.wanted = answer === "granted";
		store(this.key, this.wanted);
		this.update();
	}

	update() {
		const why = this.blocker();
		const b = this.ui.button;

		b.disabled = why !== "";
		b.setAttribute("aria-pressed", this.on ? "true" : "false");
		b.textContent = this.on ? "Notifications on" :
		    "Notify me in the background";
		this.ui.note.textContent = why !== "" ? why : this.on ?
		    "New messages show as desktop notifications while this " +
		    "tab is in the background." : "";
	}

	// A new message arrived; text is its summary.
	message(text) {
		if (!this.on || document.visibilityState === "visible") {
			this.pending = 0;
			return;
		}
		if (this.timer !== 0) {
			this.pending++;
			this.latest = text;
			return;
		}
		this.show(text);
	}

	show(text) {
		const n = new Notification("wsfeed: " + this.room, {
			body: text.slice(0, 300),
			tag: "wsfeed-" + this.room
		});
		n.onclick = () => {
			window.focus();
			n.close();
		};
		this.timer = setTimeout(() => this.flush(), QUIET_MS);
	}

	flush() {
		this.timer = 0;
		if (this.pending === 0 || !this.on ||
		    document.visibilityState === "visible") {
			this.pending = 0;
			return;
		}
		const text = this.pending === 1 ? this.latest : this.pending +
		    " new messages; the latest: " + this.latest;
		this.pending = 0;
		this.show(text);
	}

	stop() {
		clearTimeout(this.timer);
		this.timer = 0;
		this.ui.button.onclick = null;
	}
}
