-- cfg/legacy-pbx.lua — the routing of cfg/legacy-pbx.cfg as a Lua KEMI
-- script (app_lua, Debian package kamailio-lua-modules), loaded by
-- cfg/legacy-pbx-lua.cfg. Same behaviour, same comments' cases: the PBX on
-- the inside port sends plain RTP (sdes_offer "encrypt" toward the
-- outside), offers from outside must carry acceptable a=crypto
-- ("decrypt require", else 488 with the reason); late offers, re-offers
-- from either side, BYE/CANCEL/failure release the call in srtpd.
-- Fail closed: sdes.so has already replaced a refused body with one
-- rejecting every stream; a refused offer is answered and not relayed, a
-- refused 18x answer is dropped, a refused 2xx answer ends the call with a
-- BYE to both sides at the ACK (dialog module).
-- KSR.sdes.* return codes: docs/sdes-module.md "Functions".

local FLT_LATE = 1    -- first INVITE without SDP: the offer comes in the 2xx
local FLT_LATE_RE = 2 -- re-INVITE without SDP: the same in a dialog

-- The cfg's defines, read per message: KSR functions need one (not at
-- script load).
local function def(name) return KSR.kx.get_def(name) end

-- sdes.so refused an offer: answer with the reason and stop.
local function sdes_fail(rc)
    local reason = KSR.pv.get("$sdes(reason)") or ""
    KSR.info("sdes: " .. KSR.pv.get("$ci") .. " rejected rc=" .. rc .. ": " .. reason .. "\n")
    if rc == -2 then
        KSR.sl.sl_send_reply(488, reason)
    elseif rc == -3 then
        -- A relay that may hold the call did not answer: try again later.
        KSR.hdr.append_to_reply("Retry-After: 5\r\n")
        KSR.sl.sl_send_reply(503, "Media Relay Unreachable")
    elseif rc == -6 then
        -- In-dialog offer for a call no relay knows: its media state is
        -- gone (RFC 5057 §5.1).
        KSR.sl.sl_send_reply(481, "Call/Transaction Does Not Exist")
    elseif rc == -4 then
        KSR.sl.sl_send_reply(400, "Bad SDP: " .. reason)
    else
        KSR.sl.sl_send_reply(500, "sdes error: " .. reason)
    end
    KSR.x.exit()
end

-- First INVITE: which way it goes decides the mode.
local function sdes_invite()
    local flags
    if KSR.pv.get("$Rp") == tonumber(def("INSIDE_PORT")) then
        flags = "encrypt"          -- PBX (plain) -> outside (SRTP)
        KSR.corex.set_send_socket("udp:127.0.0.1:" .. def("SIP_PORT"))
    else
        flags = "decrypt require"  -- outside (SRTP) -> PBX (plain)
        KSR.corex.set_send_socket("udp:127.0.0.1:" .. def("INSIDE_PORT"))
    end
    if KSR.textops.has_body() > 0 then
        -- Any body goes to sdes_offer: a non-SDP one gets 400 (-4).
        local rc = KSR.sdes.sdes_offer_flags(flags)
        if rc < 0 then sdes_fail(rc) end
        KSR.info("sdes: " .. KSR.pv.get("$ci") .. " offer " .. KSR.pv.get("$sdes(mode)")
                 .. " suite=" .. (KSR.pv.get("$sdes(suite)") or "") .. "\n")
    else
        KSR.setflag(FLT_LATE)
    end
    KSR.tm.t_on_reply("ksr_sdes_reply")
    KSR.tm.t_on_failure("ksr_sdes_failed")
end

local function within_dialog()
    if KSR.rr.loose_route() < 0 then
        if KSR.is_ACK() and KSR.tm.t_check_trans() > 0 then
            KSR.tm.t_relay()
            KSR.x.exit()
        end
        KSR.sl.sl_send_reply(404, "Not Here")
        KSR.x.exit()
    end
    local sdp = KSR.textops.has_body_type("application/sdp") > 0
    if KSR.is_BYE() then
        KSR.sdes.sdes_delete()               -- writes the call's audit line
    elseif (KSR.is_INVITE() or KSR.is_UPDATE()) and sdp then
        local rc = KSR.sdes.sdes_offer()     -- re-offer from either side
        if rc < 0 then sdes_fail(rc) end
        KSR.tm.t_on_reply("ksr_sdes_reply")
    elseif KSR.is_INVITE() then
        KSR.setflag(FLT_LATE_RE)
        KSR.tm.t_on_reply("ksr_sdes_reply")
    elseif KSR.is_ACK() and sdp then
        if KSR.sdes.sdes_answer() < 0 then  -- late offer: the answer is in the ACK
            KSR.pv.sets("$dlg_var(sdes_refused)", KSR.pv.get("$sdes(reason)") or "refused")
        end
    end
    KSR.tm.t_relay()
    if KSR.is_ACK() and KSR.pv.get("$dlg_var(sdes_refused)") ~= nil then
        -- The 2xx or this ACK carried SDP sdes.so refused: end the call.
        KSR.notice("sdes: " .. KSR.pv.get("$ci") .. " ended (BYE both sides): "
                   .. KSR.pv.get("$dlg_var(sdes_refused)") .. "\n")
        KSR.sdes.sdes_delete()
        KSR.dialog.dlg_bye("all")
    end
end

function ksr_request_route()
    if KSR.maxfwd.process_maxfwd(10) < 0 then
        KSR.sl.sl_send_reply(483, "Too Many Hops")
        KSR.x.exit()
    end
    if KSR.siputils.has_totag() > 0 then
        within_dialog()
        KSR.x.exit()
    end
    if KSR.is_CANCEL() then
        if KSR.tm.t_check_trans() > 0 then
            KSR.sdes.sdes_delete()
            KSR.tm.t_relay()
        end
        KSR.x.exit()
    end
    if KSR.is_INVITE() then
        KSR.dialog.dlg_manage()              -- dlg_bye() can end the call
        KSR.rr.record_route()
        sdes_invite()
    end
    if KSR.tm.t_relay() < 0 then KSR.sl.sl_reply_error() end
end

function ksr_sdes_reply()
    local st = KSR.pv.get("$rs")
    if not ((st >= 180 and st <= 189) or (st >= 200 and st <= 299))
        or KSR.textops.has_body_type("application/sdp") < 0 then
        return 1
    end
    local rc
    if KSR.isflagset(FLT_LATE) then
        rc = KSR.sdes.sdes_offer_flags("decrypt")   -- late offer from outside
    elseif KSR.isflagset(FLT_LATE_RE) then
        rc = KSR.sdes.sdes_offer_flags("in-dialog") -- a re-INVITE's late offer
    else
        rc = KSR.sdes.sdes_answer()
    end
    if rc < 0 then
        KSR.err("sdes: " .. KSR.pv.get("$ci") .. " reply " .. st .. " refused: "
                .. (KSR.pv.get("$sdes(reason)") or "") .. "\n")
        if st < 200 then KSR.x.drop() end     -- no early media from a refused answer
        -- The 2xx leaves with every stream rejected; the caller's ACK
        -- ends the call, else the dialog's timeout does.
        KSR.pv.sets("$dlg_var(sdes_refused)", KSR.pv.get("$sdes(reason)") or "refused")
        KSR.dialog.dlg_set_timeout(10)
    end
    return 1
end

function ksr_sdes_failed()
    KSR.sdes.sdes_delete()
end
